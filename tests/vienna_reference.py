"""ViennaRNA as the tests' independent reference for sequence measurements: DNA parameters
(Mathews 2004), 25 °C, 1 M Na+, dangles 2, no G·T pairs — written here, not taken from sequences/."""

import RNA


def revcomp(s: str) -> str:
    """Reverse complement of a DNA sequence (5'->3')."""
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def dna_model():
    """A ViennaRNA model at the conditions the must-show lines name."""
    RNA.params_load_DNA_Mathews2004()
    md = RNA.md()
    md.temperature, md.salt, md.dangles, md.noGU = 25.0, 1.0, 2, 1
    return md

"""DNA sequences as 2-bit codes (A0 C1 G2 T3; complement = 3 - code), reverse complements,
integer k-mer codes and run counting, vectorised over the rows of a code matrix.

This is the alphabet layer every other module of ``sequences`` builds on; it knows nothing of
domains or rules. Lengths are in nucleotides (nt).
"""

from __future__ import annotations

import numpy as np

BASES = "ACGT"
#: The three-letter alphabet of domains on signal strands (DESIGN §5).
THREE_LETTER = "ACT"
_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    _CODE[ord(_b)] = _i
    _CODE[ord(_b.lower())] = _i
_LETTERS = np.frombuffer(BASES.encode(), dtype=np.uint8)


def encode(seq: str) -> np.ndarray:
    """Codes of a DNA sequence (A0 C1 G2 T3).

    >>> encode("ACGT").tolist()
    [0, 1, 2, 3]
    """
    codes = _CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]
    if (codes == 255).any():
        raise ValueError(f"sequence {seq!r} has letters other than A, C, G, T")
    return codes


def decode(codes: np.ndarray) -> str:
    """The sequence of a code array."""
    return _LETTERS[np.asarray(codes, dtype=np.intp)].tobytes().decode("ascii")


def revcomp(seq: str) -> str:
    """Reverse complement (5'->3') of a DNA sequence.

    >>> revcomp("AACGT")
    'ACGTT'
    """
    return seq[::-1].translate(str.maketrans("ACGTacgt", "TGCAtgca"))


def revcomp_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement along the last axis."""
    return (3 - codes[..., ::-1]).astype(np.uint8)


def kmer_codes(block: np.ndarray, k: int) -> np.ndarray:
    """Integer codes of every k-mer of each row of ``block`` (n x L) -> (n x L-k+1), int64 (k <= 31)."""
    block = np.atleast_2d(block)
    n, length = block.shape
    width = length - k + 1
    if width <= 0:
        return np.zeros((n, 0), dtype=np.int64)
    out = np.zeros((n, width), dtype=np.int64)
    for j in range(k):
        out = (out << 2) | block[:, j : j + width].astype(np.int64)
    return out


def kmer_string(code: int, k: int) -> str:
    """The k-mer a code stands for."""
    return "".join(BASES[(int(code) >> (2 * (k - 1 - j))) & 3] for j in range(k))


def run_starts(block: np.ndarray, run_nt: int) -> np.ndarray:
    """Per row: how many windows of ``run_nt`` identical bases it has (0 = no such run)."""
    block = np.atleast_2d(block)
    if block.shape[1] < run_nt:
        return np.zeros(block.shape[0], dtype=np.int64)
    same = block[:, 1:] == block[:, :-1]
    width = block.shape[1] - run_nt + 1
    window = np.ones((block.shape[0], width), dtype=bool)
    for j in range(run_nt - 1):
        window &= same[:, j : j + width]
    return window.sum(axis=1)


def weak_run_starts(block: np.ndarray, run_nt: int) -> np.ndarray:
    """Per row: how many windows of ``run_nt`` consecutive weak bases (A or T) it has."""
    block = np.atleast_2d(block)
    if block.shape[1] < run_nt:
        return np.zeros(block.shape[0], dtype=np.int64)
    weak = (block == 0) | (block == 3)
    width = block.shape[1] - run_nt + 1
    window = np.ones((block.shape[0], width), dtype=bool)
    for j in range(run_nt):
        window &= weak[:, j : j + width]
    return window.sum(axis=1)


def local_ok(block: np.ndarray, max_run_nt: int, max_weak_run_nt: int) -> np.ndarray:
    """Rows free of identical-base runs longer than ``max_run_nt`` and weak runs longer than
    ``max_weak_run_nt``."""
    return (run_starts(block, max_run_nt + 1) == 0) & (weak_run_starts(block, max_weak_run_nt + 1) == 0)

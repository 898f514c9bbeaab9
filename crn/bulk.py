"""Building a large network in one go without the cyclic garbage collector's repeated passes.

Reading a CRN of 100,000 reactions or translating it into a million strands makes millions of
objects that all live on, and no reference cycles. CPython's collector nonetheless walks the
tracked ones again and again as they pile up (a third of ``translate``'s time on the
196-512-512-10 MNIST network). :func:`paused_gc` switches it off for such a bulk step and back
on (only if it was on) afterwards; nothing is lost, since the step makes no cycles, and whatever
garbage there is waits for the next collection.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    """Run the ``with`` body with the cyclic garbage collector off; restore its state after.

    >>> import gc
    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

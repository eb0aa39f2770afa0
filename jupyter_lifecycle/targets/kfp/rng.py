"""The global random state (Python's ``random`` and numpy's legacy ``np.random``) carried from
one KFP component to the next.

In the package's own ``run()`` every step runs in one interpreter, so a ``np.random.seed(7)`` in
``setup`` decides what an unseeded estimator draws in ``train``. Each KFP component is a fresh
process and would start from new entropy instead, silently computing other values. When the
export's observing run sees the global state change in two or more steps, the components from
the first such step to the last one hand the state on as a small JSON artifact: restored before
the stage call, saved after it.

``save_rng_state``/``load_rng_state`` are self-contained like the serializers: the export copies
them into the components that need them.
"""

from __future__ import annotations


def save_rng_state(path):
    import json
    import random
    import sys

    version, internal, gauss = random.getstate()
    state = {"random": [version, list(internal), gauss]}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        name, keys, position, has_gauss, cached = numpy.random.get_state()
        state["numpy"] = [name, keys.tolist(), int(position), int(has_gauss), float(cached)]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(state, fh)


def load_rng_state(path):
    import json
    import random

    with open(path, encoding="utf-8") as fh:
        state = json.load(fh)
    version, internal, gauss = state["random"]
    random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        import numpy

        name, keys, position, has_gauss, cached = state["numpy"]
        numpy.random.set_state((name, numpy.array(keys, dtype=numpy.uint32), position, has_gauss,
                                cached))


def state_digest() -> str:
    """A digest of the global random state now (numpy's only when numpy is imported)."""
    import hashlib
    import random
    import sys

    digest = hashlib.sha256(repr(random.getstate()).encode())
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        name, keys, position, has_gauss, cached = numpy.random.get_state()
        digest.update(repr((name, position, has_gauss, cached)).encode())
        digest.update(keys.tobytes())
    return digest.hexdigest()

"""The transform reproduces the reference features of ../shared/golden (the specification).

To a tolerance: the reference is another implementation. That the candidate values have the same bits on
every CPU is checked by the digests of tests/test_seed_promise.py.
"""

import numpy as np
import pytest

import lightwaves.families.paper.numpy_kernels as numpy_kernels
from lightwaves.families.paper.kernels import kernel_weights, transform_triples
from lightwaves.families.paper.plan import VARIANT_SLOTS, block_ids, dilations_for, plan_for_ids
from lightwaves.validation import check_collection

from .conftest import GOLDEN


@pytest.fixture(scope="module")
def golden():
    if not GOLDEN.exists():
        pytest.skip(f"{GOLDEN} not found")
    return np.load(GOLDEN)


def test_kernel_order_matches_golden(golden):
    np.testing.assert_array_equal(kernel_weights(), golden["kernels"])
    np.testing.assert_array_equal(dilations_for(32), golden["dilations"])


@pytest.mark.parametrize("n", [1, 8, 9, 10, 29, 51, 100, 101])
@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_features_match_golden(golden, n, n_jobs, engine):
    X = golden[f"X_{n}"]
    expected = golden[f"F_{n}"]  # (case, channel, kernel, dilation, feature)
    dil = dilations_for(32)
    # the paper's eight features: slots 0-3 (L1 ppv, max, lspv, min) and 6-9 (the same of L2)
    slots = VARIANT_SLOTS["L1L2"]
    np.testing.assert_array_equal(slots, [0, 1, 2, 3, 6, 7, 8, 9])
    ids = block_ids(np.arange(X.shape[1]), len(dil), slots)
    coll = check_collection(X)
    C = X.shape[1]
    run = transform_triples if engine == "numba" else numpy_kernels.transform_triples
    got = run(coll, np.zeros(C), np.ones(C), plan_for_ids(ids, dil), n_jobs=n_jobs)
    # our id order is (channel, representation (raw only here), dilation, kernel, feature)
    got = got.reshape(X.shape[0], C, len(dil), 84, 8).transpose(0, 1, 3, 2, 4)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)
    # PPV and longest-run fractions are exact counts
    for f in (0, 2, 4, 6):
        np.testing.assert_allclose(got[..., f], expected[..., f], rtol=0, atol=1e-12)

"""The estimators' parameters: one table of names and defaults, and the checks they pass.

:data:`TRANSFORMER_PARAMETERS` is the single definition of the parameters (and their order) of
:class:`~lightwaves.LightWaveSTransformer`; :class:`~lightwaves.LightWaveSClassifier` has the same ones
and ``alphas`` (:data:`CLASSIFIER_PARAMETERS`). :func:`estimator_init` builds each estimator's
``__init__`` from its table, so scikit-learn's ``get_params`` sees a plain signature. :func:`check_params`
applies the same rules to a new estimator and to the parameters stored in a model file.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass

import numpy as np

from .families import check_family_params
from .families.paper.plan import dilations_for
from .families.spec import MAX_DILATION

#: The arithmetics a model can be fitted for and run in (see the ``arith`` parameter).
ARITHMETICS = ("float64", "float32")

#: Parameters of the transformer, with their defaults, in signature order (see the estimators' docstrings).
TRANSFORMER_PARAMETERS = {
    "variant": "MR",
    "n_features": 500,
    "n_candidates": None,
    "max_cases": 1500,
    "max_dilation": 32,
    "random_state": None,
    "n_jobs": 1,
    "backend": "serial",
    "progress": False,
    "distinct_candidates": True,
    "selection": "auto",
    "pooling": "ppv",
    "diff": False,
    "rocket_budget": 10_000,
    "detach_step": 0.3,
    "detach_cost": 0.25,
    "bias_cases": 5,
    "components": "auto",
    "hydra_groups": 64,
    "arith": "float64",
}
#: Parameters added after model format 5 was first written, with the value a file without them implies.
LATER_DEFAULTS = {"arith": "float64", "detach_cost": 0.0}
#: The classifier's: the transformer's and the ridge's alpha grid.
CLASSIFIER_PARAMETERS = {**TRANSFORMER_PARAMETERS, "alphas": None}


def estimator_init(parameters: dict):
    """An ``__init__`` that stores each of ``parameters`` (name -> default) as an attribute, unchanged
    (scikit-learn's rule), with the explicit signature ``(self, name=default, ...)``."""
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
           for name, default in parameters.items()]
    )

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name in parameters:
            setattr(self, name, bound.arguments[name])

    __init__.__signature__ = signature
    return __init__


#: ``n_features="auto"``: the budgets tried on the detachment path, smallest first (see
#: :func:`lightwaves.pipeline.choose_columns`).
AUTO_BUDGETS = (250, 500, 1000, 2000)
#: Backends a transformer can score candidates on.
BACKENDS = ("serial", "dask")
#: The paper's largest dilation, allowed for every series length (as the paper uses it).
PAPER_MAX_DILATION = 32


@dataclass(frozen=True)
class Params:
    """Checked and normalised estimator parameters."""

    slots: np.ndarray
    dilations: np.ndarray
    n_features: int
    n_candidates: int
    max_cases: int
    alphas: np.ndarray | None


def _positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_alphas(alphas):
    """The ridge's alpha grid: None (the default grid) or a non-empty 1D list of positive finite numbers."""
    if alphas is None:
        return None
    try:
        a = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be positive numbers, got {alphas!r:.60}") from None
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alphas must be a non-empty 1D list of positive numbers, got shape {a.shape}")
    if not (np.isfinite(a).all() and (a > 0).all()):
        raise ValueError(f"alphas must be positive and finite, got {a.tolist()!r:.80}")
    return a


def check_params(params: dict) -> Params:
    """Check every estimator parameter (the same rules for a new estimator and a loaded model file).

    ``params`` is ``get_params()`` of a transformer or classifier; ``alphas`` may be absent.
    """
    slots = check_family_params(params)
    max_dilation = params.get("max_dilation")
    dil = dilations_for(max_dilation)
    if dil[-1] > MAX_DILATION:
        raise ValueError(f"max_dilation must be a power of two no larger than {MAX_DILATION}, got {max_dilation!r}")
    n_features = params.get("n_features")
    if isinstance(n_features, str):
        if n_features != "auto":
            raise ValueError(f"n_features must be a positive integer or 'auto', got {n_features!r}")
        k = AUTO_BUDGETS[-1]  # the largest budget bounds the candidate pools
    else:
        k = _positive_int("n_features", n_features)
    n_candidates = params.get("n_candidates")
    m = 3 * k if n_candidates is None else _positive_int("n_candidates", n_candidates)
    if m < k:
        raise ValueError(f"n_candidates ({m}) must be at least n_features ({k})")
    max_cases = _positive_int("max_cases", params.get("max_cases"), minimum=2)
    n_jobs = params.get("n_jobs")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0):
        raise ValueError(f"n_jobs must be a non-zero integer or None, got {n_jobs!r}")
    backend = params.get("backend")
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    for flag in ("progress", "distinct_candidates"):
        if not isinstance(params.get(flag), (bool, np.bool_)):
            raise ValueError(f"{flag} must be True or False, got {params.get(flag)!r}")
    arith = params.get("arith", "float64")
    if arith not in ARITHMETICS:
        raise ValueError(f"arith must be one of {list(ARITHMETICS)}, got {arith!r}")
    rs = params.get("random_state")
    if not (rs is None or (isinstance(rs, numbers.Integral) and not isinstance(rs, bool) and 0 <= rs < 2**32)
            or isinstance(rs, np.random.RandomState)):
        raise ValueError(f"random_state must be None, an integer in [0, 2**32) or a RandomState, got {rs!r}")
    return Params(slots, dil, k, m, max_cases, check_alphas(params.get("alphas")))


def check_max_dilation(max_dilation: int, longest: int) -> None:
    """A dilation is useful while a kernel tap other than the centre can reach the series (d < length);
    larger ones repeat the same features. Allowed: up to the largest useful power of two for the longest
    series, and always the paper's 32."""
    useful = 1 << max(int(longest) - 1, 1).bit_length() - 1
    allowed = max(PAPER_MAX_DILATION, useful)
    if max_dilation > allowed:
        raise ValueError(
            f"max_dilation {max_dilation} is larger than the longest series (length {longest}) can use; "
            f"use at most {allowed}"
        )

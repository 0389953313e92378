"""The feature families and what they share: variants, parameters, and the description of a fitted selection.

A ``variant`` names the families a model draws candidates from: ``"L1"``, ``"L2"``, ``"L1L2"`` (the
paper's scattering levels, :mod:`lightwaves.families.paper`), ``"MR"`` (the MiniRocket family alone,
:mod:`lightwaves.families.rocket`), ``"L1L2+MR"`` (both pooled), ``"H"`` (the Hydra family alone,
:mod:`lightwaves.families.hydra`) or ``"MR+H"`` (the MiniRocket and Hydra families pooled). Each family implements
:class:`~lightwaves.families.interface.FeatureFamily`; :data:`FAMILIES` lists them in output column order.
:mod:`lightwaves.families.spec` holds the kernel geometry and feature codes every family and engine share.
"""

from __future__ import annotations

import numpy as np

from .interface import SELECTIONS, VARIANTS, Candidates, FeatureFamily, parse_variant, resolve_selection
from .paper import PAPER
from .rocket import ROCKET
from .hydra import HYDRA

#: Every family, in the order of their output columns.
FAMILIES = (PAPER, ROCKET, HYDRA)

#: Parameters of the families, with the values a model file written before a parameter existed was
#: fitted with (model_io fills them in). The estimators' defaults can differ: ``bias_cases`` is 5.
FAMILY_DEFAULTS = {"selection": "auto", "pooling": "ppv", "diff": False, "rocket_budget": 10_000,
                   "detach_step": 0.3, "detach_cost": 0.0, "bias_cases": 1, "components": 0,
                   "hydra_groups": 64}


def families_of(variant) -> tuple:
    """The families ``variant`` draws candidates from, in output column order."""
    return tuple(f for f in FAMILIES if f.used_by(variant))


def check_family_params(params: dict) -> np.ndarray:
    """Check ``variant`` and the family parameters of an estimator's ``params``; return the paper
    family's extended feature slots (see :func:`lightwaves.families.paper.plan.paper_slots`; none for ``"MR"``)."""
    import numbers

    from .hydra.features import check_groups
    from .paper.plan import paper_slots
    from .rocket.features import check_pooling

    paper = parse_variant(params.get("variant"))[0]
    selection = params.get("selection", "auto")
    if not isinstance(selection, str) or selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
    check_pooling(params.get("pooling", "ppv"))
    if not isinstance(params.get("diff", False), (bool, np.bool_)):
        raise ValueError(f"diff must be True or False, got {params.get('diff')!r}")
    slots = (paper_slots(paper, params.get("pooling", "ppv"), bool(params.get("diff", False)))
             if paper is not None else np.empty(0, dtype=np.int64))
    budget = params.get("rocket_budget", 10_000)
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or not 84 <= budget <= 10**6:
        raise ValueError(f"rocket_budget must be an integer from 84 to 10**6, got {budget!r}")
    step = params.get("detach_step", 0.3)
    if isinstance(step, bool) or not isinstance(step, numbers.Real) or not 0 < step < 1:
        raise ValueError(f"detach_step must be a number in (0, 1), got {step!r}")
    cost = params.get("detach_cost", 0.0)
    if isinstance(cost, bool) or not isinstance(cost, numbers.Real) or not 0 <= cost <= 4:
        raise ValueError(f"detach_cost must be a number from 0 to 4, got {cost!r}")
    bias_cases = params.get("bias_cases", 1)
    if isinstance(bias_cases, bool) or not isinstance(bias_cases, numbers.Integral) or not 1 <= bias_cases <= 10**4:
        raise ValueError(f"bias_cases must be an integer from 1 to 10000, got {bias_cases!r}")
    components = params.get("components", 0)
    if components != "auto" and (isinstance(components, bool) or not isinstance(components, numbers.Integral)
                                 or not 0 <= components <= 10**4):
        raise ValueError(f"components must be 'auto' or an integer from 0 to 10000, got {components!r}")
    check_groups(params.get("hydra_groups", 64))
    return slots


def describe_features(feature_ids, dilations, rocket, hydra=None):
    """Names, ``(n, 5)`` table rows and read channels of a fitted selection, paper features first, then the
    MiniRocket family's, then Hydra's.

    Table rows are as :func:`lightwaves.families.paper.plan.feature_table` (MiniRocket-family rows: first channel of
    the combination, kernel, dilation, level 0, 4 + operator, see :meth:`RocketFeatures.table`; Hydra rows:
    first channel of the combination, kernel 0-7 of its group, dilation, level 3, 8 max or 9 min, see
    :meth:`HydraFeatures.table`).
    """
    from .paper.plan import feature_names, feature_table

    table = feature_table(feature_ids, dilations)
    names = feature_names(feature_ids, dilations)
    channels = np.unique(table[:, 0])
    if rocket is not None and rocket.n_features:
        table = np.concatenate([table, rocket.table()])
        names = names + rocket.names()
        channels = np.union1d(channels, rocket.channels)
    if hydra is not None and hydra.n_features:
        table = np.concatenate([table, hydra.table()])
        names = names + hydra.names()
        channels = np.union1d(channels, hydra.channels)
    return names, table, channels


def reads_first_difference(feature_ids, dilations, rocket, hydra=None) -> np.ndarray:
    """Whether each feature of a fitted selection (paper features first, as :func:`describe_features`)
    reads the first-difference series (``diff=True``): the one attribute its table row does not hold."""
    from .paper.plan import decode

    parts = [decode(feature_ids, len(dilations))[1] == 1]
    if rocket is not None and rocket.n_features:
        parts.append(np.asarray(rocket.diff)[rocket.feature_conv] != 0)
    if hydra is not None and hydra.n_features:
        parts.append(np.asarray(hydra.diff)[hydra.group] != 0)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def feature_kind(row) -> str:
    """The feature name of a table row: ppv, max, lspv, min, mpv, mipv (paper's family, levels 1 and 2),
    ppv, mpv, mipv, lspv (level 0, the MiniRocket family) or max, min (level 3, Hydra's soft count of the
    maximum and hard count of the minimum)."""
    from .hydra.features import LEVEL as HYDRA_LEVEL, STAT_CODES, STATS
    from .spec import FEATURE_CODES, LEVEL_FEATURES, POOLS

    code, level = int(row[4]), int(row[3])
    if level == HYDRA_LEVEL:
        return STATS[STAT_CODES.index(code)]
    return POOLS[code - 4] if level == 0 else LEVEL_FEATURES[FEATURE_CODES.index(code)]


__all__ = ["FAMILIES", "FAMILY_DEFAULTS", "SELECTIONS", "VARIANTS", "Candidates", "FeatureFamily",
           "check_family_params", "describe_features", "families_of", "feature_kind", "parse_variant",
           "reads_first_difference", "resolve_selection"]

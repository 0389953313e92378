"""The paper's feature family (LightWaveS, Pantiskas et al. 2022): single-channel scattering levels.

Every channel is convolved alone with the 84 MiniRocket kernels at dilations 1, 2, ..., ``max_dilation``;
level 1 pools the output z (PPV, max|z|, longest positive run / length, min|z|, optionally MPV and MIPV),
level 2 the same kernel applied again to |z| decimated by two. A feature is an integer id
(:mod:`.plan`: ids, names, plans); :mod:`.kernels` (numba) and :mod:`.numpy_kernels` compute them.
Candidates are scanned in channel blocks, keeping the ANOVA top ``n_candidates``
(:func:`lightwaves.families.paper.scan.scan_channels`, shard-mergeable for Dask).
"""

from __future__ import annotations

import numpy as np

from ..interface import Candidates, parse_variant


class PaperFamily:
    """The paper's family behind :class:`lightwaves.families.interface.FeatureFamily`; its fitted
    selection is the array of feature ids."""

    name = "paper"

    def used_by(self, variant) -> bool:
        return parse_variant(variant)[0] is not None

    def candidates(self, cases, plan, backend) -> Candidates:
        ids, scores, n_usable = backend.scan_paper(cases, plan, plan.paper_pool)
        values = backend.paper_values(cases, ids, plan)
        return Candidates(self.name, values, scores, n_usable, take=lambda columns: ids[columns])

    def empty(self) -> np.ndarray:
        return np.empty(0, dtype=np.int64)


PAPER = PaperFamily()

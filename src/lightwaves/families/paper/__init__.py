"""The paper's feature family (LightWaveS, Pantiskas et al. 2022): single-channel scattering levels."""

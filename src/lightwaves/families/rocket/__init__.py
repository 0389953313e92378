"""The MiniRocket feature family: multichannel kernels pooled against biases drawn from training outputs."""

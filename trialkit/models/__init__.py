"""Statistical models: MMRM (marginal repeated-measures), ANCOVA per visit."""

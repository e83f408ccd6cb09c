# Where does the REML optimum of MODEL FEV1 = ARMCD lie? nlme::gls with tight tolerances.
# Run from this directory: Rscript sas_convergence_check.R > sas_convergence_check.out
# Used by tests/test_mmrm_sas.py to document why SAS us/csh/adh differ from trialkit at ~1e-4.
suppressMessages(library(nlme))
d <- read.csv("fev_data.csv")
d <- d[!is.na(d$FEV1),]
d$AVISIT <- factor(d$AVISIT); d$ARMCD <- factor(d$ARMCD, levels=c("PBO","TRT")); d$vn <- as.integer(d$AVISIT)
ctl <- glsControl(opt="optim", optimMethod="BFGS", maxIter=500, msMaxIter=500, tolerance=1e-12, msTol=1e-12, returnObject=TRUE)
fits <- list(
 us = gls(FEV1 ~ ARMCD, d, correlation=corSymm(form=~vn|USUBJID), weights=varIdent(form=~1|AVISIT), control=ctl),
 csh = gls(FEV1 ~ ARMCD, d, correlation=corCompSymm(form=~vn|USUBJID), weights=varIdent(form=~1|AVISIT), control=ctl)
)
for (n in names(fits)) { f <- fits[[n]]; cat(n, sprintf("%.12f", coef(f)[2]), sprintf("%.10f", logLik(f)), "\n") }

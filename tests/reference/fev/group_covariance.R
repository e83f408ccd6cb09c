# Reference for a separate unstructured covariance per arm (SAS REPEATED / GROUP=ARMCD) with
# arm-specific visit means (FEV1 ~ ARMCD * AVISIT): the likelihood factorises by arm, so the
# grouped REML fit equals one nlme::gls fit per arm (FEV1 ~ AVISIT, corSymm + varIdent).
# Run from this directory: Rscript group_covariance.R > group_covariance.out 2>&1
suppressMessages({library(nlme); library(emmeans); library(jsonlite)})
d <- read.csv("fev_data.csv"); d <- d[!is.na(d$FEV1), ]
d$AVISIT <- factor(d$AVISIT); d$vn <- as.integer(d$AVISIT)
ctl <- glsControl(opt = "nlminb", maxIter = 500, msMaxIter = 500, tolerance = 1e-12, msTol = 1e-12)
out <- list()
for (arm in c("PBO", "TRT")) {
  s <- d[d$ARMCD == arm, ]
  f <- gls(FEV1 ~ AVISIT, s, correlation = corSymm(form = ~ vn | USUBJID),
           weights = varIdent(form = ~ 1 | AVISIT), control = ctl)
  e <- as.data.frame(summary(emmeans(f, ~ AVISIT, mode = "df.error")))
  out[[arm]] <- list(loglik = as.numeric(logLik(f)), visit = as.character(e$AVISIT),
                     lsmean = e$emmean, se = e$SE)
}
out$total_loglik <- out$PBO$loglik + out$TRT$loglik
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "group_covariance.json")
print(out)

# Type III F tests with Satterthwaite denominator df for the compound-symmetry MMRM on
# ../mmrm_trial2/data.csv: a random-intercept lmer fit (= CS, REML) and lmerTest's
# anova(type = 3), which forms SAS-style Type III hypotheses.
# Run from this directory: Rscript type3_lmertest.R > type3_lmertest.out 2>&1
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
d <- read.csv("../mmrm_trial2/data.csv")
d$VISIT <- factor(d$VISIT, levels = c("W4", "W8", "W12", "W16"))
d$ARM <- factor(d$ARM, levels = c("Control", "Active")); d$SITE <- factor(d$SITE)
dc <- d[!is.na(d$Y), ]
ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 1e-2, rhoend = 1e-12))
f <- lmer(Y ~ ARM * VISIT + BASE * VISIT + SITE + (1 | ID), dc, REML = TRUE, control = ctl)
a <- anova(f, type = 3, ddf = "Satterthwaite")
print(a)
out <- list(
  about = "lmerTest anova(type = 3, ddf = 'Satterthwaite') on lmer(Y ~ ARM*VISIT + BASE*VISIT + SITE + (1|ID)), REML",
  loglik = as.numeric(logLik(f)),
  term = rownames(a), num_df = a$NumDF, den_df = a$DenDF, f_value = a[["F value"]], p_value = a[["Pr(>F)"]]
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "type3_lmertest.json")

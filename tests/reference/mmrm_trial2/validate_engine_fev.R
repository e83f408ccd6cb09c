# Validates engine_ref.R on fev_data against (1) SAS PROC MIXED ddfm=kr / kr(linear)
# (../fev/sas_ddfm, MODEL FEV1 = ARMCD) and (2) R mmrm 0.3.18 (../fev/fev_mmrm_reference.json,
# FEV1 ~ RACE + SEX + ARMCD * AVISIT).  Run from this directory:
#   Rscript validate_engine_fev.R > validate_engine_fev.out
source("engine_ref.R")
suppressPackageStartupMessages(library(jsonlite))
fev <- read.csv("../fev/fev_data.csv")
fev <- fev[!is.na(fev$FEV1), ]
fev$ARMCD <- factor(fev$ARMCD, levels = c("PBO", "TRT"))
fev$AVISIT <- factor(fev$AVISIT, levels = paste0("VIS", 1:4))
fev$RACE <- relevel(factor(fev$RACE), ref = "Asian")
fev$SEX <- relevel(factor(fev$SEX), ref = "Male")
vis <- as.integer(fev$AVISIT)
start_sigma <- function(X) {
  r <- fev$FEV1 - X %*% qr.solve(X, fev$FEV1)
  W <- matrix(NA, 200, 4); W[cbind(as.integer(factor(fev$USUBJID, levels = paste0("PT", 1:200))), vis)] <- r
  cov(W, use = "pairwise.complete.obs")
}
rel <- function(a, b) max(abs(a - b) / abs(b))

cat("== (1) SAS PROC MIXED, MODEL FEV1 = ARMCD, REML, LSMEANS TRT - PBO\n")
X1 <- model.matrix(~ARMCD, fev)
pr1 <- mmrm_prepare(fev$FEV1, X1, fev$USUBJID, vis, 4)
S1 <- start_sigma(X1)
L <- matrix(c(0, 1), 1)
sas_types <- c(us = "us", cs = "cs", csh = "csh", ar1 = "ar1", ar1h = "arh1", toep = "toep",
               toeph = "toeph", adh = "adh")
for (ty in names(sas_types)) {
  fit <- mmrm_fit(pr1, ty, theta_from_sigma(ty, S1), reml = TRUE)
  inf <- mmrm_inference(fit)
  kr <- contrast_table(inf, L, "kenward_roger"); kl <- contrast_table(inf, L, "kenward_roger_linear")
  s_kr <- read.csv(file.path("../fev/sas_ddfm", paste0("kr_", sas_types[[ty]], ".csv")))
  s_kl <- read.csv(file.path("../fev/sas_ddfm", paste0("kr1_", sas_types[[ty]], ".csv")))
  cat(sprintf("%-6s grad %.1e | est rel.err %.1e | SE kr %.1e kr(lin) %.1e | DF kr %.1e kr(lin) %.1e \n",
      ty, fit$grad_maxabs, rel(kr$estimate, s_kr$Estimate), rel(kr$se, s_kr$StdErr), rel(kl$se, s_kl$StdErr),
      rel(kr$df, s_kr$DF), rel(kl$df, s_kl$DF)))
}

cat("(max relative differences; SAS reports no logLik)\n")
cat("\n== (2) R mmrm 0.3.18, FEV1 ~ RACE + SEX + ARMCD * AVISIT: loglik, coefficient SE, TRT - PBO per visit\n")
ref <- fromJSON("../fev/fev_mmrm_reference.json")
X2 <- model.matrix(~RACE + SEX + ARMCD * AVISIT, fev)
pr2 <- mmrm_prepare(fev$FEV1, X2, fev$USUBJID, vis, 4)
S2 <- start_sigma(X2)
Ld <- t(sapply(1:4, function(v) { l <- setNames(numeric(ncol(X2)), colnames(X2)); l["ARMCDTRT"] <- 1
  if (v > 1) l[paste0("ARMCDTRT:AVISITVIS", v)] <- 1; l }))
mm_names <- c(us = "un", cs = "cs", csh = "csh", ar1 = "ar1", ar1h = "ar1h", toep = "toep",
              toeph = "toeph", ad = "ad", adh = "adh")
for (ty in names(mm_names)) for (reml in c(TRUE, FALSE)) {
  fit <- mmrm_fit(pr2, ty, theta_from_sigma(ty, S2), reml = reml)
  inf <- mmrm_inference(fit)
  key <- paste0(mm_names[[ty]], if (reml) "_reml" else "_ml", "_satterthwaite")
  r <- ref[[key]]; st <- contrast_table(inf, Ld, "satterthwaite")
  line <- sprintf("%-6s %-4s logLik(here) - logLik(mmrm) %+.1e | max|coef diff|/SE %.1e | coef SE %.1e | diff SE %.1e | Satt df %.1e",
      ty, if (reml) "REML" else "ML", fit$loglik - r$loglik,
      max(abs(inf$beta - r$coefficients$estimate) / r$coefficients$se), rel(sqrt(diag(inf$Phi)), r$coefficients$se),
      rel(st$se, r$differences$se), rel(st$df, r$differences$df))
  if (reml) {
    r2 <- ref[[paste0(mm_names[[ty]], "_reml_kenward_roger_linear")]]
    kl <- contrast_table(inf, Ld, "kenward_roger_linear")
    line <- paste0(line, sprintf(" | KR-lin SE %.1e df %.1e", rel(kl$se, r2$differences$se), rel(kl$df, r2$differences$df)))
  }
  cat(line, "\n")
}

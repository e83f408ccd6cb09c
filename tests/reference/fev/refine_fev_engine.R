# refine_fev_engine.R -- tightly converged re-computation of the fev_data MMRM references
# with ../mmrm_trial2/engine_ref.R (validated in ../mmrm_trial2/validate_engine_fev.R).
# Run from this directory:  Rscript refine_fev_engine.R > refine_fev_engine.out 2>&1
# Writes fev_engine_refined.json with the same key names and table layout as
# fev_mmrm_reference.json (see PROVENANCE.md), plus SAS-model keys sas_<type>.
source("../mmrm_trial2/engine_ref.R")
suppressPackageStartupMessages({ library(jsonlite); library(emmeans) })
fev <- read.csv("fev_data.csv")
fev <- fev[!is.na(fev$FEV1), ]
fev$ARMCD <- factor(fev$ARMCD, levels = c("PBO", "TRT"))
fev$AVISIT <- factor(fev$AVISIT, levels = paste0("VIS", 1:4))
fev$RACE <- relevel(factor(fev$RACE), ref = "Asian")
fev$SEX <- relevel(factor(fev$SEX), ref = "Male")
vis <- as.integer(fev$AVISIT)
ref <- fromJSON("fev_mmrm_reference.json")
start_sigma <- function(X) {
  r <- fev$FEV1 - X %*% qr.solve(X, fev$FEV1)
  W <- matrix(NA, 200, 4)
  W[cbind(as.integer(factor(fev$USUBJID, levels = paste0("PT", 1:200))), vis)] <- r
  cov(W, use = "pairwise.complete.obs")
}
tab_cols <- function(tb, keep) as.list(tb[keep])

out <- list(`_about` = list(
  data = "fev_data.csv (see PROVENANCE.md)",
  model = "keys <cov>_<reml|ml>_<method>: FEV1 ~ RACE + SEX + ARMCD * AVISIT exactly as fev_mmrm_reference.json (same reference levels, LS means with equal weights over RACE and SEX); keys sas_<type>: FEV1 ~ ARMCD, REML, TRT - PBO, as the SAS files in sas_ddfm/",
  methods = "satterthwaite; kenward_roger_linear (parameterisation-invariant, = mmrm Kenward-Roger-Linear); kenward_roger_sas = KR with the second-derivative term in SAS PROC MIXED's parameterisation (= SAS ddfm=kr; differs from mmrm's Kenward-Roger for nonlinear structures because mmrm parameterises differently). W = inverse observed information; KR df use the unadjusted vcov (as SAS and mmrm).",
  software = paste0(R.version.string, "; numDeriv ", packageVersion("numDeriv"), "; emmeans ", packageVersion("emmeans"), " (contrast vectors only)"),
  generated_by = "Rscript refine_fev_engine.R (in tests/reference/fev)", date = format(Sys.Date())))

fml <- FEV1 ~ RACE + SEX + ARMCD * AVISIT
X <- model.matrix(fml, fev)
pr <- mmrm_prepare(fev$FEV1, X, fev$USUBJID, vis, 4)
S0 <- start_sigma(X)
lmfit <- lm(fml, fev)                       # only to obtain emmeans contrast vectors
emm <- emmeans(lmfit, ~ARMCD | AVISIT)
Lls <- emm@linfct; Ldf <- contrast(emm, method = "revpairwise")@linfct
mm_names <- c(us = "un", cs = "cs", csh = "csh", ar1 = "ar1", ar1h = "ar1h", toep = "toep",
              toeph = "toeph", ad = "ad", adh = "adh")
for (ty in names(mm_names)) for (reml in c(TRUE, FALSE)) {
  fit <- mmrm_fit(pr, ty, theta_from_sigma(ty, S0), reml = reml)
  inf <- mmrm_inference(fit)
  methods <- if (reml) c("satterthwaite", "kenward_roger_linear", "kenward_roger_sas") else "satterthwaite"
  for (m in methods) {
    em <- if (m == "kenward_roger_sas") "kenward_roger" else m
    key <- paste0(mm_names[[ty]], if (reml) "_reml_" else "_ml_", m)
    cf <- contrast_table(inf, diag(ncol(X)), em)
    ls <- contrast_table(inf, Lls, em); df <- contrast_table(inf, Ldf, em)
    out[[key]] <- list(
      covariance = mm_names[[ty]], reml = reml, df_method = m, loglik = fit$loglik,
      gradient_maxabs = fit$grad_maxabs, n_theta = length(fit$theta), theta_sas = fit$theta,
      coefficients = c(list(term = colnames(X)), tab_cols(cf, c("estimate", "se", "df"))),
      lsmeans = c(list(arm = rep(c("PBO", "TRT"), 4), visit = rep(paste0("VIS", 1:4), each = 2)),
                  tab_cols(ls, c("estimate", "se", "df", "lower", "upper"))),
      differences = c(list(contrast = "TRT - PBO", visit = paste0("VIS", 1:4)),
                      tab_cols(df, c("estimate", "se", "df", "lower", "upper", "p"))),
      covariance_matrix = inf$Sigma)
    r <- ref[[if (m == "kenward_roger_sas") sub("_sas$", "", key) else key]]
    if (!is.null(r)) cat(sprintf("%-36s logLik - mmrm %+.1e | diff SE rel %.1e | diff df rel %.1e\n", key,
        fit$loglik - r$loglik, max(abs(df$se - r$differences$se) / r$differences$se),
        max(abs(df$df - r$differences$df) / r$differences$df)))
  }
}

X1 <- model.matrix(~ARMCD, fev)
pr1 <- mmrm_prepare(fev$FEV1, X1, fev$USUBJID, vis, 4)
S1 <- start_sigma(X1)
sas_types <- c(us = "us", cs = "cs", csh = "csh", ar1 = "ar1", ar1h = "arh1", toep = "toep",
               toeph = "toeph", adh = "adh")
for (ty in names(sas_types)) {
  fit <- mmrm_fit(pr1, ty, theta_from_sigma(ty, S1), reml = TRUE)
  inf <- mmrm_inference(fit)
  one <- function(m) as.list(contrast_table(inf, matrix(c(0, 1), 1), m))
  out[[paste0("sas_", sas_types[[ty]])]] <- list(
    covariance = ty, sas_type_file = sas_types[[ty]], loglik = fit$loglik, theta_sas = fit$theta,
    kenward_roger = one("kenward_roger"), kenward_roger_linear = one("kenward_roger_linear"),
    satterthwaite = one("satterthwaite"))
  s <- read.csv(file.path("sas_ddfm", paste0("kr_", sas_types[[ty]], ".csv")))
  cat(sprintf("sas_%-6s kr SE rel %.1e df rel %.1e\n", sas_types[[ty]],
      abs(out[[paste0("sas_", sas_types[[ty]])]]$kenward_roger$se - s$StdErr) / s$StdErr,
      abs(out[[paste0("sas_", sas_types[[ty]])]]$kenward_roger$df - s$DF) / s$DF))
}
write_json(out, "fev_engine_refined.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote fev_engine_refined.json\n")

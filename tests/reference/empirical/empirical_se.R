# Empirical (sandwich, CR0) covariance of the fixed effects of an MMRM, computed in R from
# an nlme::gls fit, independently of trialkit:
#   Phi_E = Phi (sum_i X_i' S_i^-1 r_i r_i' S_i^-1 X_i) Phi,  Phi = (X' V^-1 X)^-1
# (the definition of R mmrm's vcov = "Empirical"). Also the between-within df (SAS DDFM=BW).
# Data: ../mmrm_trial2/data.csv. Run from this directory:
#   Rscript empirical_se.R > empirical_se.out 2>&1
suppressMessages({library(nlme); library(emmeans); library(jsonlite)})
d <- read.csv("../mmrm_trial2/data.csv")
d$VISIT <- factor(d$VISIT, levels = c("W4", "W8", "W12", "W16"))
d$ARM <- factor(d$ARM, levels = c("Control", "Active")); d$SITE <- factor(d$SITE)
dc <- d[!is.na(d$Y), ]
dc <- dc[order(dc$ID, dc$VISIT), ]
ctl <- glsControl(opt = "nlminb", maxIter = 500, msMaxIter = 500, tolerance = 1e-12, msTol = 1e-12)
fit <- gls(Y ~ ARM * VISIT + BASE * VISIT + SITE, dc,
           correlation = corSymm(form = ~ as.integer(VISIT) | ID),
           weights = varIdent(form = ~ 1 | VISIT), control = ctl)
X <- model.matrix(~ ARM * VISIT + BASE * VISIT + SITE, dc)
Sigma <- getVarCov(fit)  # 4 x 4 over W4..W16 (for a complete subject)
# full covariance over the visit levels
sds <- c(1, coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE))
sds <- sds[levels(dc$VISIT)] * fit$sigma
R <- corMatrix(fit$modelStruct$corStruct)[[1]]
full <- diag(sds) %*% (R / 1) %*% diag(sds)
beta <- coef(fit)
r <- dc$Y - drop(X %*% beta)
ids <- unique(dc$ID)
k <- ncol(X)
bread_inv <- matrix(0, k, k); meat <- matrix(0, k, k)
for (id in ids) {
  rows <- which(dc$ID == id)
  v <- as.integer(dc$VISIT[rows])
  Si <- solve(full[v, v, drop = FALSE])
  Xi <- X[rows, , drop = FALSE]
  bread_inv <- bread_inv + t(Xi) %*% Si %*% Xi
  u <- t(Xi) %*% Si %*% r[rows]
  meat <- meat + u %*% t(u)
}
phi <- solve(bread_inv)
vemp <- phi %*% meat %*% phi
# LS-mean differences Active - Control per visit (BASE at row mean, SITE equal weights)
emm <- emmeans(fit, ~ ARM | VISIT, mode = "df.error", data = dc)
L <- contrast(emm, method = "revpairwise")@linfct
est <- drop(L %*% beta)
se_model <- sqrt(diag(L %*% phi %*% t(L)))
se_emp <- sqrt(diag(L %*% vemp %*% t(L)))
# between-within df (SAS DDFM=BW): a column is within-subject if it varies within a subject
within <- apply(X, 2, function(x) any(tapply(x, dc$ID, function(z) length(unique(z)) > 1)))
is_int <- colnames(X) == "(Intercept)"
n_sub <- length(ids); n_obs <- nrow(dc)
ddf_between <- n_sub - sum(!within & !is_int) - 1
ddf_within <- n_obs - n_sub - sum(within & !is_int)
col_df <- ifelse(within, ddf_within, ddf_between); col_df[is_int] <- ddf_within
bw_df <- apply(L, 1, function(l) min(col_df[abs(l) > 0]))
out <- list(
  about = "nlme::gls us REML (tight), Y ~ ARM*VISIT + BASE*VISIT + SITE on mmrm_trial2; CR0 sandwich and BW df computed in R",
  loglik = as.numeric(logLik(fit)), visit = levels(dc$VISIT), estimate = est,
  se_model = se_model, se_empirical = se_emp, bw_df = bw_df,
  ddf_between = ddf_between, ddf_within = ddf_within, residual_df = n_obs - k,
  coefficient_se_empirical = sqrt(diag(vemp)), terms = colnames(X)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "empirical_se.json")
print(out[c("loglik", "estimate", "se_model", "se_empirical", "bw_df", "ddf_between", "ddf_within")])

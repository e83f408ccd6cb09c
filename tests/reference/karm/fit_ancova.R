# fit_ancova.R -- k-arm ANCOVA references (lm + emmeans) on data3.csv and data4.csv.
# Run from this directory:  Rscript fit_ancova.R > fit_ancova.out 2>&1
# Writes ancova_karm_reference.json. Per visit, complete cases (Y, BASE, SITE observed):
#   model "base":     lm(Y ~ ARM + BASE)
#   model "site":     lm(Y ~ ARM + BASE + SITE)    (categorical covariate; LS means with
#                     equal SITE weights = SAS LSMEANS / emmeans default)
#   model "site_hc3": the "site" model with HC3 covariance passed to emmeans (vcov. =), df
#                     stay n - p. sandwich is not installed here, so HC3 is computed from its
#                     definition: (X'X)^-1 X' diag(e_i^2 / (1 - h_ii)^2) X (X'X)^-1
#                     (MacKinnon & White 1985; = sandwich::vcovHC(type = "HC3")).
# ARM levels: control (Placebo) first, then the data's arm order. Contrasts (emmeans, no
# multiplicity adjustment): trt.vs.ctrl (each arm - Placebo), revpairwise (later - earlier
# arm in level order), and explicit pairs a - b. F test of ARM: drop1(test = "F") (k - 1 df);
# with HC3, the Wald F of the ARM coefficients with the HC3 covariance.
# Dose trend: the same model with the numeric DOSE in place of the ARM factor:
#   lm(Y ~ DOSE + BASE [+ SITE]); coefficient of DOSE with its SE, df, 95% CI, t and p.
suppressPackageStartupMessages({ library(emmeans); library(jsonlite) })

col_tab <- function(df, map) setNames(lapply(names(map), function(k) unname(df[[map[[k]]]])), names(map))
con_tab <- function(x) col_tab(as.data.frame(summary(x, infer = c(TRUE, TRUE))),
  c(contrast = "contrast", estimate = "estimate", se = "SE", df = "df", lower = "lower.CL",
    upper = "upper.CL", t = "t.ratio", p = "p.value"))
hc3 <- function(fit) {
  X <- model.matrix(fit); e <- residuals(fit); h <- hatvalues(fit)
  B <- solve(crossprod(X))
  B %*% crossprod(X * (e / (1 - h))) %*% B
}

tables <- function(fit, dv, arms, pairs, vc = NULL) {
  args <- list(fit, specs = ~ARM, data = dv)
  if (!is.null(vc)) args$vcov. <- vc
  emm <- do.call(emmeans, args)
  s <- as.data.frame(summary(emm, infer = c(TRUE, FALSE)))
  explicit <- lapply(pairs, function(p) { w <- numeric(length(arms)); w[match(p[1], arms)] <- 1; w[match(p[2], arms)] <- -1; w })
  names(explicit) <- vapply(pairs, function(p) paste(p[1], "-", p[2]), "")
  list(
    lsmeans = col_tab(s, c(arm = "ARM", estimate = "emmean", se = "SE", df = "df", lower = "lower.CL", upper = "upper.CL")),
    vs_control = con_tab(contrast(emm, method = "trt.vs.ctrl", ref = 1, adjust = "none")),
    pairwise = con_tab(contrast(emm, method = "revpairwise", adjust = "none")),
    explicit = con_tab(contrast(emm, method = explicit, adjust = "none")))
}
coef_tab <- function(fit, vc = NULL) {
  cf <- summary(fit)$coefficients
  se <- if (is.null(vc)) unname(cf[, 2]) else unname(sqrt(diag(vc)))
  list(term = rownames(cf), estimate = unname(cf[, 1]), se = se)
}
trend <- function(fit, vc = NULL) {
  cf <- summary(fit)$coefficients
  est <- unname(cf["DOSE", 1]); df <- fit$df.residual
  se <- if (is.null(vc)) unname(cf["DOSE", 2]) else sqrt(vc["DOSE", "DOSE"])
  q <- qt(0.975, df)
  list(estimate = est, se = se, df = df, lower = est - q * se, upper = est + q * se,
       t = est / se, p = 2 * pt(-abs(est / se), df))
}

analyse <- function(file, arms, visits, pairs) {
  d <- read.csv(file)
  d$ARM <- factor(d$ARM, levels = arms)
  d$SITE <- factor(d$SITE, levels = c("S1", "S2", "S3"))
  out <- list()
  for (v in visits) {
    dv <- d[d$VISIT == v & !is.na(d$Y), ]
    fb <- lm(Y ~ ARM + BASE, data = dv)
    fs <- lm(Y ~ ARM + BASE + SITE, data = dv)
    tb <- lm(Y ~ DOSE + BASE, data = dv)
    ts <- lm(Y ~ DOSE + BASE + SITE, data = dv)
    F_arm <- function(f) { a <- drop1(f, test = "F"); list(num_df = length(arms) - 1, den_df = f$df.residual, f = a["ARM", "F value"], p = a["ARM", "Pr(>F)"]) }
    vh <- hc3(fs)
    # Wald F test of ARM with the HC3 covariance (what car::linearHypothesis(white.adjust =
    # "hc3") computes): F = b_A' (V_AA)^-1 b_A / (k - 1) on (k - 1, n - p) df
    wald_arm <- function(f, V) {
      idx <- grep("^ARM", names(coef(f))); b <- coef(f)[idx]
      F <- drop(t(b) %*% solve(V[idx, idx], b)) / length(idx)
      list(num_df = length(idx), den_df = f$df.residual, f = F, p = pf(F, length(idx), f$df.residual, lower.tail = FALSE))
    }
    out[[v]] <- list(
      n_used = nrow(dv), n_per_arm = as.list(table(dv$ARM)), residual_df = fs$df.residual,
      base = c(list(coefficients = coef_tab(fb), arm_test = F_arm(fb), trend = trend(tb)), tables(fb, dv, arms, pairs)),
      site = c(list(coefficients = coef_tab(fs), arm_test = F_arm(fs), trend = trend(ts)), tables(fs, dv, arms, pairs)),
      site_hc3 = c(list(coefficients = coef_tab(fs, vh), arm_test = wald_arm(fs, vh), trend = trend(ts, hc3(ts))), tables(fs, dv, arms, pairs, vc = vh)))
    r <- out[[v]]$site
    cat(sprintf("%s %s: n = %d; %s = %.6f (SE %.6f, df %d); F(ARM) = %.4f; trend %.6f (SE %.6f) p = %.6g\n",
        file, v, nrow(dv), r$vs_control$contrast[1], r$vs_control$estimate[1], r$vs_control$se[1],
        fs$df.residual, r$arm_test$f, r$trend$estimate, r$trend$se, r$trend$p))
  }
  out
}

out <- list(`_about` = list(
  what = "k-arm per-visit ANCOVA, see the header of fit_ancova.R",
  software = paste0(R.version.string, "; emmeans ", packageVersion("emmeans"), "; jsonlite ", packageVersion("jsonlite")),
  date = format(Sys.Date()),
  generated_by = "Rscript fit_ancova.R (in tests/reference/karm)"))
out$data3 <- analyse("data3.csv", c("Placebo", "Low Dose", "High Dose"), c("W4", "W8", "W12", "W16"),
                     list(c("Placebo", "High Dose"), c("High Dose", "Low Dose")))
out$data4 <- analyse("data4.csv", c("Placebo", "D1", "D2", "D3"), c("W16"),
                     list(c("D3", "D1"), c("D1", "D2")))
write_json(out, "ancova_karm_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote ancova_karm_reference.json\n")

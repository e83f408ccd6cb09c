# engine_ref.R -- a small, self-contained R implementation of the MMRM (GLS with a
# structured residual covariance over visits) used to produce *refined* reference values:
# tightly converged REML/ML estimates, Satterthwaite df with an accurate (Richardson)
# observed Hessian, and Kenward-Roger (1997) adjusted covariance + df.
# It is validated in validate_engine_fev.R against SAS PROC MIXED (ddfm=kr, kr(linear)),
# R mmrm 0.3.18 (Satterthwaite, Kenward-Roger-Linear) and pbkrtest (compound symmetry).
#
# Parameterisations follow SAS PROC MIXED (so that the full KR, whose second-derivative
# term depends on the parameterisation, is comparable with SAS ddfm=kr):
#   us    : the t(t+1)/2 covariances sigma_jk (j >= k)                       (linear)
#   cs    : (CS covariance s1, Residual s2): Sigma = s1 J + s2 I            (linear)
#   toep  : (Residual s0, TOEP(2..t) covariances c1..c_{t-1})               (linear)
#   csh   : (variances v_1..v_t, rho)
#   ar1   : (variance s2, rho)                     Sigma_jk = s2 rho^|j-k|
#   ar1h  : (variances v_1..v_t, rho)              (SAS ARH(1))
#   toeph : (variances v_1..v_t, rho_1..rho_{t-1})
#   adh   : (variances v_1..v_t, rho_1..rho_{t-1}) (SAS ANTE(1)): corr_jk = prod_{l=j}^{k-1} rho_l
#   ad    : (variance s2, rho_1..rho_{t-1})        homogeneous ante-dependence (no SAS TYPE)
suppressPackageStartupMessages(library(numDeriv))

ante_corr <- function(r, t) {
  C <- diag(t)
  for (j in 1:(t - 1)) for (k in (j + 1):t) C[j, k] <- C[k, j] <- prod(r[j:(k - 1)])
  C
}

sigma_fun <- function(type, t) {
  lag <- abs(outer(1:t, 1:t, "-"))
  dcd <- function(v, C) { s <- sqrt(v); C * outer(s, s) }
  switch(type,
    us = function(th) { S <- matrix(0, t, t); S[lower.tri(S, diag = TRUE)] <- th
                        S + t(S) - diag(diag(S)) },
    cs = function(th) th[1] * matrix(1, t, t) + th[2] * diag(t),
    toep = function(th) { S <- matrix(th[lag + 1], t, t); S },
    csh = function(th) { C <- matrix(th[t + 1], t, t); diag(C) <- 1; dcd(th[1:t], C) },
    ar1 = function(th) th[1] * th[2]^lag,
    ar1h = function(th) dcd(th[1:t], th[t + 1]^lag),
    toeph = function(th) { C <- matrix(c(1, th[(t + 1):(2 * t - 1)])[lag + 1], t, t); dcd(th[1:t], C) },
    adh = function(th) dcd(th[1:t], ante_corr(th[(t + 1):(2 * t - 1)], t)),
    ad = function(th) th[1] * ante_corr(th[2:t], t),
    stop("unknown covariance type ", type))
}

# starting / converted parameters from a t x t covariance matrix S (e.g. nlme getVarCov)
theta_from_sigma <- function(type, S) {
  t <- nrow(S); v <- diag(S); C <- cov2cor(S)
  switch(type,
    us = S[lower.tri(S, diag = TRUE)],
    cs = c(S[1, 2], S[1, 1] - S[1, 2]),
    toep = c(S[1, 1], sapply(1:(t - 1), function(l) S[1, 1 + l])),
    csh = c(v, C[1, 2]),
    ar1 = c(S[1, 1], C[1, 2]),
    ar1h = c(v, C[1, 2]),
    toeph = c(v, sapply(1:(t - 1), function(l) C[1, 1 + l])),
    adh = c(v, sapply(1:(t - 1), function(j) C[j, j + 1])),
    ad = c(mean(v), sapply(1:(t - 1), function(j) C[j, j + 1])))
}

# y: outcome, X: design (rows with observed y only), subj: subject id, vis: visit index 1..t
mmrm_prepare <- function(y, X, subj, vis, t) {
  key <- tapply(vis, subj, function(v) paste(sort(v), collapse = ","))
  pats <- lapply(split(names(key), key), function(ids) {
    o <- as.integer(strsplit(key[[ids[1]]], ",")[[1]]); k <- length(o); np <- length(ids)
    rows <- unlist(lapply(ids, function(s) { r <- which(subj == s); r[order(vis[r])] }))
    list(o = o, k = k, np = np,
         X = array(X[rows, , drop = FALSE], c(k, np, ncol(X))),  # row order: visit fastest
         y = matrix(y[rows], k, np))
  })
  list(pats = pats, n = length(y), p = ncol(X), t = t, terms = colnames(X))
}

.blocks <- function(pr, Sig) {
  lapply(pr$pats, function(pt) {
    V <- Sig[pt$o, pt$o, drop = FALSE]; C <- chol(V); A <- chol2inv(C)
    AX <- array(A %*% matrix(pt$X, pt$k), dim(pt$X))
    list(A = A, AX = AX, logdet = 2 * sum(log(diag(C))))
  })
}

mmrm_loglik <- function(th, pr, sfun, reml = TRUE) {
  Sig <- sfun(th)
  if (any(!is.finite(Sig))) return(-Inf)
  ok <- tryCatch({ chol(Sig); TRUE }, error = function(e) FALSE)
  if (!ok) return(-Inf)
  bl <- .blocks(pr, Sig)
  XtAX <- 0; XtAy <- 0; ld <- 0
  for (i in seq_along(pr$pats)) { pt <- pr$pats[[i]]; b <- bl[[i]]
    M1 <- matrix(pt$X, pt$k * pt$np); M2 <- matrix(b$AX, pt$k * pt$np)
    XtAX <- XtAX + crossprod(M1, M2); XtAy <- XtAy + crossprod(M2, as.vector(pt$y))
    ld <- ld + pt$np * b$logdet }
  XtAX <- (XtAX + t(XtAX)) / 2
  beta <- solve(XtAX, XtAy); q <- 0
  for (i in seq_along(pr$pats)) { pt <- pr$pats[[i]]
    R <- pt$y - matrix(matrix(pt$X, pt$k * pt$np) %*% beta, pt$k)
    q <- q + sum(R * (bl[[i]]$A %*% R)) }
  if (reml) -0.5 * ((pr$n - pr$p) * log(2 * pi) + ld + as.numeric(determinant(XtAX)$modulus) + q)
  else -0.5 * (pr$n * log(2 * pi) + ld + q)
}

# Fit: start at theta0, nlminb with tight tolerances, then Newton polishing with a
# Richardson Hessian until the step is negligible.
mmrm_fit <- function(pr, type, theta0, reml = TRUE) {
  sfun <- sigma_fun(type, pr$t)
  f <- function(th) { v <- mmrm_loglik(th, pr, sfun, reml); if (is.finite(v)) -v else 1e100 }
  o <- nlminb(theta0, f, control = list(rel.tol = 1e-15, x.tol = 1e-15, eval.max = 1e4, iter.max = 1e4))
  th <- o$par
  for (it in 1:20) {
    g <- numDeriv::grad(f, th); H <- numDeriv::hessian(f, th)
    step <- solve(H, g)
    if (f(th - step) <= f(th)) th <- th - step
    if (max(abs(step) / pmax(abs(th), 1e-8)) < 1e-12) break
  }
  g <- numDeriv::grad(f, th); H <- numDeriv::hessian(f, th)
  list(theta = th, loglik = -f(th), grad_maxabs = max(abs(g)), hessian = H,
       type = type, reml = reml, sfun = sfun, pr = pr)
}

# Everything needed for inference at the fitted theta.
mmrm_inference <- function(fit) {
  pr <- fit$pr; th <- fit$theta; sfun <- fit$sfun; t <- pr$t; m <- length(th)
  Sig <- sfun(th)
  gd <- numDeriv::genD(function(x) as.vector(sfun(x)), th)$D  # first m cols: d/dth, then 2nd derivs
  d1 <- lapply(1:m, function(a) matrix(gd[, a], t, t))
  d2 <- matrix(list(), m, m); col <- m
  for (a in 1:m) for (b in 1:a) { col <- col + 1; d2[[a, b]] <- d2[[b, a]] <- matrix(gd[, col], t, t) }
  bl <- .blocks(pr, Sig)
  XtAX <- 0; XtAy <- 0
  for (i in seq_along(pr$pats)) { pt <- pr$pats[[i]]
    M1 <- matrix(pt$X, pt$k * pt$np); M2 <- matrix(bl[[i]]$AX, pt$k * pt$np)
    XtAX <- XtAX + crossprod(M1, M2); XtAy <- XtAy + crossprod(M2, as.vector(pt$y)) }
  XtAX <- (XtAX + t(XtAX)) / 2
  Phi <- solve(XtAX); beta <- as.vector(Phi %*% XtAy)
  P <- rep(list(0), m); Q <- matrix(list(0), m, m); R <- matrix(list(0), m, m)
  for (i in seq_along(pr$pats)) { pt <- pr$pats[[i]]; A <- bl[[i]]$A; kk <- pt$k * pt$np
    AXm <- matrix(bl[[i]]$AX, pt$k)                              # k x (np*p)
    U <- lapply(1:m, function(a) d1[[a]][pt$o, pt$o, drop = FALSE] %*% AXm)   # V_a A X
    AU <- lapply(U, function(u) A %*% u)
    for (a in 1:m) {
      P[[a]] <- P[[a]] - crossprod(matrix(AXm, kk), matrix(U[[a]], kk))
      for (b in 1:m) {
        Q[[a, b]] <- Q[[a, b]] + crossprod(matrix(U[[a]], kk), matrix(AU[[b]], kk))
        R[[a, b]] <- R[[a, b]] + crossprod(matrix(AXm, kk),
                                           matrix(d2[[a, b]][pt$o, pt$o, drop = FALSE] %*% AXm, kk))
      } } }
  W <- solve(fit$hessian)                  # inverse observed information of theta
  S1 <- 0; S2 <- 0
  for (a in 1:m) for (b in 1:m) {
    S1 <- S1 + W[a, b] * (Q[[a, b]] - P[[a]] %*% Phi %*% P[[b]]); S2 <- S2 + W[a, b] * R[[a, b]] }
  PhiA_lin <- Phi + 2 * Phi %*% S1 %*% Phi
  PhiA <- Phi + 2 * Phi %*% (S1 - 0.25 * S2) %*% Phi
  dimnames(Phi) <- dimnames(PhiA) <- dimnames(PhiA_lin) <- list(pr$terms, pr$terms)
  names(beta) <- pr$terms
  list(beta = beta, Phi = Phi, PhiA = PhiA, PhiA_lin = PhiA_lin, P = P, W = W,
       dPhi = lapply(P, function(Pa) -Phi %*% Pa %*% Phi), Sigma = Sig)
}

# Satterthwaite df for a single contrast L (row vector): 2 (L Phi L')^2 / (g' W g),
# g_a = L dPhi/dtheta_a L'.
df_satterthwaite <- function(inf, L) {
  v <- as.numeric(L %*% inf$Phi %*% L)
  g <- sapply(inf$dPhi, function(D) as.numeric(L %*% D %*% L))
  2 * v^2 / as.numeric(t(g) %*% inf$W %*% g)
}

# Kenward-Roger df for a single contrast (l = 1), KR (1997) as implemented by SAS and
# mmrm (h_kr_df): Theta = L' (L Phi L')^-1 L with the UNADJUSTED Phi, so ddfm=kr and
# kr(linear) share the same df.
df_kenward_roger <- function(inf, L) {
  L <- matrix(L, nrow = 1); l <- 1; Phi <- inf$Phi; W <- inf$W; m <- length(inf$P)
  Theta <- t(L) %*% solve(L %*% Phi %*% t(L), L)
  u <- lapply(inf$P, function(Pa) Theta %*% Phi %*% Pa %*% Phi)
  A1 <- 0; A2 <- 0
  for (a in 1:m) for (b in 1:m) {
    A1 <- A1 + W[a, b] * sum(diag(u[[a]])) * sum(diag(u[[b]]))
    A2 <- A2 + W[a, b] * sum(u[[a]] * t(u[[b]])) }
  B <- (A1 + 6 * A2) / (2 * l)
  g <- ((l + 1) * A1 - (l + 4) * A2) / ((l + 2) * A2)
  den <- 3 * l + 2 * (1 - g)
  c1 <- g / den; c2 <- (l - g) / den; c3 <- (l + 2 - g) / den
  Estar <- 1 / (1 - A2 / l)
  Vstar <- (2 / l) * (1 + c1 * B) / ((1 - c2 * B)^2 * (1 - c3 * B))
  rho <- Vstar / (2 * Estar^2)
  4 + (l + 2) / (l * rho - 1)
}

# Table of contrasts (rows of Lmat) under one df method.
# method: "residual" (n - p - m), "satterthwaite", "kenward_roger", "kenward_roger_linear",
# "asymptotic" (normal-free: df = Inf)
contrast_table <- function(inf, Lmat, method, n_resid_df = NA, level = 0.95) {
  V <- switch(method, kenward_roger = inf$PhiA, kenward_roger_linear = inf$PhiA_lin, inf$Phi)
  est <- as.vector(Lmat %*% inf$beta)
  se <- sqrt(rowSums((Lmat %*% V) * Lmat))
  df <- sapply(seq_len(nrow(Lmat)), function(i) switch(method,
    satterthwaite = df_satterthwaite(inf, Lmat[i, ]),
    kenward_roger = , kenward_roger_linear = df_kenward_roger(inf, Lmat[i, ]),
    residual = n_resid_df, asymptotic = Inf))
  tq <- qt(1 - (1 - level) / 2, df)
  data.frame(estimate = est, se = se, df = df, lower = est - tq * se, upper = est + tq * se,
             t = est / se, p = 2 * pt(-abs(est / se), df))
}

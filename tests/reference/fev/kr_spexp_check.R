# Independent Kenward-Roger computation for SAS sp(exp)(VISITN VISITN2) and AR(1)
# on fev_data, model FEV1 ~ ARMCD, REML.  Used to decide which spexp file is ddfm=kr.
# Run from tests/reference/fev:  Rscript kr_spexp_check.R > kr_spexp_check.out
d <- read.csv("fev_data.csv"); d <- d[!is.na(d$FEV1),]
d$ARMCD <- factor(d$ARMCD, levels=c("PBO","TRT"))
X <- model.matrix(~ARMCD, d); y <- d$FEV1
ids <- split(seq_len(nrow(d)), d$USUBJID)
struct <- function(type) {
  if (type=="ar1") {
    list(V=function(th,i){ D <- abs(outer(d$VISITN[i],d$VISITN[i],"-")); th[1]*th[2]^D },
         d1=function(th,i){ D <- abs(outer(d$VISITN[i],d$VISITN[i],"-")); list(th[2]^D, th[1]*D*th[2]^pmax(D-1,0)) },
         d2=function(th,i){ D <- abs(outer(d$VISITN[i],d$VISITN[i],"-"));
            a <- D*th[2]^pmax(D-1,0); list(list(0*D, a), list(a, th[1]*D*(D-1)*th[2]^pmax(D-2,0))) },
         start=c(80,0.3), lower=c(1,-0.99), upper=c(1000,0.99))
  } else {
    list(V=function(th,i){ D <- as.matrix(dist(cbind(d$VISITN[i],d$VISITN2[i]))); th[1]*exp(-D/th[2]) },
         d1=function(th,i){ D <- as.matrix(dist(cbind(d$VISITN[i],d$VISITN2[i]))); E <- exp(-D/th[2]); list(E, th[1]*E*D/th[2]^2) },
         d2=function(th,i){ D <- as.matrix(dist(cbind(d$VISITN[i],d$VISITN2[i]))); E <- exp(-D/th[2]);
            a <- E*D/th[2]^2; list(list(0*D, a), list(a, th[1]*E*(D^2/th[2]^4 - 2*D/th[2]^3))) },
         start=c(80,1), lower=c(1,0.01), upper=c(1000,100))
  }
}
reml <- function(th, s) {
  XtVX <- 0; XtVy <- 0; ld <- 0; Vi <- list()
  for (k in seq_along(ids)) { i <- ids[[k]]; V <- s$V(th,i); C <- chol(V); ld <- ld + 2*sum(log(diag(C)))
    Vinv <- chol2inv(C); Vi[[k]] <- Vinv; XtVX <- XtVX + t(X[i,,drop=FALSE])%*%Vinv%*%X[i,,drop=FALSE]
    XtVy <- XtVy + t(X[i,,drop=FALSE])%*%Vinv%*%y[i] }
  b <- solve(XtVX, XtVy); q <- 0
  for (k in seq_along(ids)) { i <- ids[[k]]; r <- y[i]-X[i,,drop=FALSE]%*%b; q <- q + t(r)%*%Vi[[k]]%*%r }
  n <- nrow(X); p <- ncol(X)
  -0.5*(ld + determinant(XtVX)$modulus + q + (n-p)*log(2*pi))
}
kr <- function(type) {
  s <- struct(type)
  o <- optim(s$start, function(t) -reml(t,s), method="L-BFGS-B", lower=s$lower, upper=s$upper, control=list(factr=1e1, pgtol=1e-12))
  o2 <- nlminb(o$par, function(t) -reml(t,s), lower=s$lower, upper=s$upper, control=list(rel.tol=1e-15, x.tol=1e-12, eval.max=5000, iter.max=5000)); o$par <- o2$par
  th <- o$par; m <- length(th)
  XtVX <- 0; Vi <- list()
  for (k in seq_along(ids)) { i <- ids[[k]]; Vi[[k]] <- solve(s$V(th,i)); XtVX <- XtVX + t(X[i,,drop=FALSE])%*%Vi[[k]]%*%X[i,,drop=FALSE] }
  Phi <- solve(XtVX)
  P <- lapply(1:m, function(a) 0); Q <- matrix(list(0),m,m); R <- matrix(list(0),m,m)
  Iexp <- matrix(0,m,m)
  # REML expected information needs the global projection; build block quantities
  for (k in seq_along(ids)) { i <- ids[[k]]; Xi <- X[i,,drop=FALSE]; A <- Vi[[k]]; D1 <- s$d1(th,i); D2 <- s$d2(th,i)
    for (a in 1:m) { P[[a]] <- P[[a]] - t(Xi)%*%A%*%D1[[a]]%*%A%*%Xi
      for (b in 1:m) { Q[[a,b]] <- Q[[a,b]] + t(Xi)%*%A%*%D1[[a]]%*%A%*%D1[[b]]%*%A%*%Xi
                       R[[a,b]] <- R[[a,b]] + t(Xi)%*%A%*%D2[[a]][[b]]%*%A%*%Xi
                       Iexp[a,b] <- Iexp[a,b] + 0.5*sum(diag(A%*%D1[[a]]%*%A%*%D1[[b]])) } } }
  # REML correction of the information: subtract tr terms involving Phi
  for (a in 1:m) for (b in 1:m) Iexp[a,b] <- Iexp[a,b] - sum(diag(Phi%*%Q[[a,b]])) + 0.5*sum(diag(Phi%*%P[[a]]%*%Phi%*%P[[b]]))
  # observed information: numerical Hessian of -REML
  h <- 1e-4*abs(th); H <- matrix(0,m,m); f0 <- reml(th,s)
  for (a in 1:m) for (b in 1:m) { ea <- replace(numeric(m),a,h[a]); eb <- replace(numeric(m),b,h[b])
    H[a,b] <- -(reml(th+ea+eb,s)-reml(th+ea-eb,s)-reml(th-ea+eb,s)+reml(th-ea-eb,s))/(4*h[a]*h[b]) }
  out <- list(theta=th, logLik=f0)
  for (wn in c("expected","observed")) {
    W <- solve(if (wn=="expected") Iexp else H)
    S1 <- 0; S2 <- 0
    for (a in 1:m) for (b in 1:m) { S1 <- S1 + W[a,b]*(Q[[a,b]] - P[[a]]%*%Phi%*%P[[b]]); S2 <- S2 + W[a,b]*R[[a,b]] }
    PhiA_lin <- Phi + 2*Phi%*%S1%*%Phi
    PhiA <- Phi + 2*Phi%*%(S1 - 0.25*S2)%*%Phi
    out[[wn]] <- c(se_model=sqrt(Phi[2,2]), se_kr=sqrt(PhiA[2,2]), se_kr_linear=sqrt(PhiA_lin[2,2]))
  }
  out
}
for (t in c("ar1","spexp")) { cat("==", t, "\n"); print(kr(t), digits=12) }
# Which coordinates did SAS sp(exp) use?  The GLS estimate of ARMCDTRT identifies them
# (SAS estimate 4.21488979997259).
library(nlme)
ctl <- glsControl(msMaxIter=1000, tolerance=1e-10)
for (fm in c("~VISITN|USUBJID", "~VISITN2|USUBJID", "~VISITN+VISITN2|USUBJID")) {
  f <- gls(FEV1 ~ ARMCD, data=d, correlation=corExp(form=as.formula(fm)), method="REML", control=ctl)
  cat("corExp", fm, ": ARMCDTRT =", format(coef(f)[2], digits=15), " REML logLik =", format(as.numeric(logLik(f)), digits=12), "\n")
}

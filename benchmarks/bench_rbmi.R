# rbmi timings for benchmarks/bench_imputation.py (run by it, on the same data, in the same run).
# Usage: Rscript bench_rbmi.R DATA.csv EVENTS.csv OUTCOME ARM CONTROL VISIT SUBJECT PARTS
#   DATA.csv: long data (the columns named by the arguments, plus BASVAL); EVENTS.csv: subject,
#   visit, strategy (first visit affected). PARTS: any of
#     c = condmean + jackknife (all subjects), the whole rbmi pipeline;
#     f = condmean with 2 bootstrap samples (3 imputation-model fits: per-fit time);
#     a = approxbayes with N_AB draws (N_AB from the environment, default 10).
# Prints one line "rbmi_seconds <part> <elapsed> <n_fits>" per part.
suppressMessages(library(rbmi))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
ev <- read.csv(a[2], stringsAsFactors = FALSE)
outcome <- a[3]; arm <- a[4]; control <- a[5]; visit <- a[6]; subject <- a[7]; parts <- a[8]
n_ab <- as.integer(Sys.getenv("N_AB", "10"))
visits <- unique(d[[visit]])
d[[visit]] <- factor(d[[visit]], levels = visits)
d[[subject]] <- factor(d[[subject]])
d[[arm]] <- relevel(factor(d[[arm]]), ref = control)
ice <- data.frame(ev$subject, factor(ev$visit, levels = visits), ev$strategy)
names(ice) <- c(subject, visit, "strategy")
ice[[subject]] <- factor(ice[[subject]], levels = levels(d[[subject]]))
vars <- set_vars(outcome = outcome, visit = visit, subjid = subject, group = arm,
                 covariates = c(paste0("BASVAL*", visit), paste0(arm, "*", visit)))
vars_an <- set_vars(outcome = outcome, visit = visit, subjid = subject, group = arm, covariates = "BASVAL")
refs <- setNames(rep(control, nlevels(d[[arm]])), levels(d[[arm]]))
run <- function(method) {
  dr <- draws(data = d, data_ice = ice, vars = vars, method = method, quiet = TRUE)
  pool(analyse(impute(dr, references = refs), vars = vars_an))
}
timed <- function(part, method, n_fits) {
  tm <- system.time(run(method))[["elapsed"]]
  cat("rbmi_seconds", part, tm, n_fits, "\n")
}
cat("rbmi", as.character(packageVersion("rbmi")), "mmrm", as.character(packageVersion("mmrm")),
    R.version.string, "\n")
if (grepl("c", parts)) timed("c", method_condmean(type = "jackknife"), nlevels(d[[subject]]) + 1)
if (grepl("f", parts)) timed("f", method_condmean(type = "bootstrap", n_samples = 2), 3)
if (grepl("a", parts)) timed("a", method_approxbayes(n_samples = n_ab), n_ab)

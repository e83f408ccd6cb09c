# tests/data/adam/adsl_subset.sas7bdat: 14 columns of the CDISC pilot ADSL
# (sample_data/adam_pilot/adsl.xpt) written as SAS7BDAT by haven 2.5.1 (pyreadstat cannot
# write SAS7BDAT). Run from tests/data/adam:  Rscript make_adsl_subset.R
library(haven)
a <- read_xpt("../../../sample_data/adam_pilot/adsl.xpt")
a <- a[, c("STUDYID", "USUBJID", "SITEGR1", "TRT01P", "TRT01PN", "ITTFL", "EFFFL", "SAFFL",
           "TRTSDT", "EOSSTT", "DCSREAS", "DCDECOD", "AGE", "SEX")]
suppressWarnings(write_sas(a, "adsl_subset.sas7bdat"))  # write_sas is deprecated in haven
stopifnot(isTRUE(all.equal(as.data.frame(a), as.data.frame(read_sas("adsl_subset.sas7bdat")),
                           check.attributes = FALSE)))

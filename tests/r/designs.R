# Each design type a wave may declare, computed with R's survey package, for
# tests/test_designs.py. Usage:
#   Rscript designs.R sample.csv          (columns stratum, psu, weight, y)
#   Rscript designs.R fpc                 (R survey's own data(fpc))
# Prints design, mean, se, df as CSV on standard output.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
if (args[1] == "fpc") {
  data(fpc)
  sample <- data.frame(stratum = fpc$stratid, psu = fpc$psuid, weight = fpc$weight, y = fpc$x)
} else {
  sample <- read.csv(args[1], stringsAsFactors = FALSE)
}
designs <- list(
  weights = svydesign(ids = ~1, weights = ~weight, data = sample),
  stratified = svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = sample),
  clustered = svydesign(ids = ~psu, weights = ~weight, data = sample),
  stratified_clustered = svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = sample, nest = TRUE)
)
rows <- lapply(names(designs), function(name) {
  m <- svymean(~y, designs[[name]])
  data.frame(design = name, mean = coef(m)[[1]], se = SE(m)[[1]], df = degf(designs[[name]]))
})
write.csv(do.call(rbind, rows), stdout(), row.names = FALSE)

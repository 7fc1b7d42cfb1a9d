# Independent computation of demo comparisons and domain degrees of freedom
# with R's survey package, for tests/test_against_r.py. Usage:
#   Rscript demo_comparisons.R responses.csv region_margins.csv sex_margins.csv out.csv
# Gender gaps within a region are svyttest() on the region's subset (t with
# that subset's df, less one); a region against the rest of the country is
# svyttest() on the whole design; degf() of each region's subset is the df
# its estimates use.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
responses <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
region_targets <- read.csv(args[2], stringsAsFactors = FALSE)
sex_targets <- read.csv(args[3], stringsAsFactors = FALSE)

share <- function(codes, success) ifelse(codes >= 0, as.numeric(codes %in% success), NA)
responses$trust_police_ind <- share(responses$trust_police, c(2, 3))
responses$trust_gendarmerie_ind <- share(responses$trust_gendarmerie, c(2, 3))
responses$female <- as.numeric(responses$gender_code == "f")

# the wave's design as released in responses.csv: a weights-only wave has no
# stratum or PSU column (ids = ~1), a stratified or clustered one only its own
ids <- if ("psu_id" %in% names(responses)) ~psu_id else ~1
strata <- if ("stratum_id" %in% names(responses)) ~stratum_id else NULL
design <- svydesign(ids = ids, strata = strata, weights = ~weight_design,
                    data = responses, nest = TRUE)
region_pop <- data.frame(region_code = region_targets$level, Freq = region_targets$population)
sex_pop <- data.frame(gender_code = sex_targets$level, Freq = sex_targets$population)
raked <- rake(design, list(~region_code, ~gender_code), list(region_pop, sex_pop),
              control = list(maxit = 1000, epsilon = 1e-9, verbose = FALSE))

rows <- list()
add <- function(comparison, variable, region, test) {
  rows[[length(rows) + 1]] <<- data.frame(
    comparison = comparison, variable = variable, region_code = region,
    difference = unname(test$estimate), df = unname(test$parameter), p_value = test$p.value)
}
for (variable in c("trust_police_ind", "trust_gendarmerie_ind")) {
  for (region in region_targets$level) {
    part <- subset(raked, region_code == region & !is.na(raked$variables[[variable]]))
    # svyttest's difference is group 1 minus group 0: female (1) minus male (0)
    add("gender_gap", variable, region, svyttest(as.formula(paste(variable, "~ female")), part))
    rows[[length(rows)]]$degf <- degf(part)
    raked$variables$in_region <- as.numeric(raked$variables$region_code == region)
    answered <- subset(raked, !is.na(raked$variables[[variable]]))
    add("region_vs_rest", variable, region, svyttest(as.formula(paste(variable, "~ in_region")), answered))
    rows[[length(rows)]]$degf <- degf(answered)
  }
}
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)

# Independent computation of demo indicators with R's survey package, for
# tests/test_against_r.py. Usage:
#   Rscript demo_estimates.R responses.csv region_margins.csv sex_margins.csv out.csv [territories.csv]
# territories.csv (region_code, territory) adds each indicator by the former
# territory its region lies within (breakdown "territory"), on the same design.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
responses <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
region_targets <- read.csv(args[2], stringsAsFactors = FALSE)
sex_targets <- read.csv(args[3], stringsAsFactors = FALSE)

# a question the wave did not ask is a column of blanks (or no column): no estimate
column <- function(name) if (name %in% names(responses)) responses[[name]] else rep(NA_real_, nrow(responses))
share <- function(codes, success) ifelse(codes >= 0, as.numeric(codes %in% success), NA)
responses$trust_police_ind <- share(column("trust_police"), c(2, 3))
responses$trust_army_ind <- share(column("trust_army"), c(2, 3))
responses$feel_unsafe_ind <- share(column("unsafe_frequency"), 1:4)
victims <- !is.na(column("victim_12m")) & column("victim_12m") == 1
responses$reported_ind <- ifelse(victims, share(column("reported_to_police"), 1), NA)
# a knowledge item: don't know (-1) counts as "no", refused (-2) stays out
responses$knows_ind <- ifelse(column("knows_complaint_mechanism") == -1, 0,
                              share(column("knows_complaint_mechanism"), 1))

# the wave's design as released in responses.csv: a weights-only wave has no
# stratum or PSU column (ids = ~1), a stratified or clustered one only its own
ids <- if ("psu_id" %in% names(responses)) ~psu_id else ~1
strata <- if ("stratum_id" %in% names(responses)) ~stratum_id else NULL
# age groups: the bands of models.age_bounds (18, 25, 35, 50), special codes (negative) in none
responses$age_group <- as.character(cut(column("age"), c(18, 25, 35, 50, Inf), right = FALSE,
                                        labels = c("18\u201324", "25\u201334", "35\u201349", "50+")))
if (length(args) >= 5) {
  territories <- read.csv(args[5], stringsAsFactors = FALSE)
  responses$territory <- territories$territory[match(responses$region_code, territories$region_code)]
  responses$territory[is.na(responses$territory)] <- ""  # a region not redrawn: one more level, not compared
}
design <- svydesign(ids = ids, strata = strata, weights = ~weight_design,
                    data = responses, nest = TRUE)
region_pop <- data.frame(region_code = region_targets$level, Freq = region_targets$population)
sex_pop <- data.frame(gender_code = sex_targets$level, Freq = sex_targets$population)
raked <- rake(design, list(~region_code, ~gender_code), list(region_pop, sex_pop),
              control = list(maxit = 1000, epsilon = 1e-9, verbose = FALSE))

rows <- list()
for (variable in c("trust_police_ind", "trust_army_ind", "feel_unsafe_ind", "reported_ind", "knows_ind")) {
  if (all(is.na(responses[[variable]]))) next
  f <- as.formula(paste0("~", variable))
  national <- svymean(f, raked, na.rm = TRUE)
  rows[[length(rows) + 1]] <- data.frame(variable = variable, region_code = "", breakdown = "", level = "",
                                         estimate = coef(national)[[1]], se = SE(national)[[1]])
  by_region <- svyby(f, ~region_code, raked, svymean, na.rm = TRUE)
  rows[[length(rows) + 1]] <- data.frame(variable = variable, region_code = by_region$region_code,
                                         breakdown = "", level = "",
                                         estimate = by_region[[variable]], se = by_region$se)
  # national breakdowns (breakdowns.csv): domains of the whole raked design
  for (breakdown in c("urban_rural_code", "age_group", if (length(args) >= 5) "territory")) {
    by <- svyby(f, as.formula(paste0("~", breakdown)), raked, svymean, na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(variable = variable, region_code = "", breakdown = breakdown,
                                           level = as.character(by[[breakdown]]),
                                           estimate = by[[variable]], se = by$se)
  }
}
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)

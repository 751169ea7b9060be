"""Tests of the API as a whole: its OpenAPI contract and the fuzz run."""

# check_eligibility is being moved to uitlening by another change of issue 7 (point 3),
# which brings its schema under kern.api_contract; until that lands it is left out here.
NOT_YET_UNDER_CONTRACT = {"check_eligibility"}

from uitlening.views import (
    counter,
    distributions,
    holds,
    loans,
    memberships,
    partners,
    points,
    reminders,
    repairs,
    seasonal,
)

app_name = "uitlening"

urlpatterns = (
    counter.urlpatterns
    + distributions.urlpatterns
    + loans.urlpatterns
    + repairs.urlpatterns
    + reminders.urlpatterns
    + seasonal.urlpatterns
    + partners.urlpatterns
    + memberships.urlpatterns
    + points.urlpatterns
    + holds.urlpatterns
)

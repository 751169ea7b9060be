from uitlening.views import counter, distributions, loans, memberships, points, repairs

app_name = "uitlening"

urlpatterns = (
    counter.urlpatterns
    + distributions.urlpatterns
    + loans.urlpatterns
    + repairs.urlpatterns
    + memberships.urlpatterns
    + points.urlpatterns
)

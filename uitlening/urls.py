from uitlening.views import counter, distributions, loans, reminders, repairs

app_name = "uitlening"

urlpatterns = (
    counter.urlpatterns
    + distributions.urlpatterns
    + loans.urlpatterns
    + repairs.urlpatterns
    + reminders.urlpatterns
)

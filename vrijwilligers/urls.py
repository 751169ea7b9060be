from vrijwilligers.views import allowances, attendance, hours, volunteers

app_name = "vrijwilligers"

urlpatterns = (
    volunteers.urlpatterns + attendance.urlpatterns + hours.urlpatterns + allowances.urlpatterns
)

from vrijwilligers.views import calendar, volunteers

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns + calendar.urlpatterns

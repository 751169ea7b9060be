from vrijwilligers.views import volunteers

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns

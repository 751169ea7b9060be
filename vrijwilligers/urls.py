from vrijwilligers.views import planning, volunteers

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns
urlpatterns += planning.urlpatterns

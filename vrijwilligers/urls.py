from vrijwilligers.views import shifts as shifts
from vrijwilligers.views import volunteers

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns
urlpatterns = urlpatterns + shifts.urlpatterns

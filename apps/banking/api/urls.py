from rest_framework.routers import SimpleRouter

from .views import BankFileUploadViewSet

router = SimpleRouter()
router.register("bank-files", BankFileUploadViewSet, basename="bank-file")
urlpatterns = router.urls

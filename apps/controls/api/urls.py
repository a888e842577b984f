from rest_framework.routers import DefaultRouter

from .views import PaymentBatchViewSet

router = DefaultRouter()
router.register("payment-batches", PaymentBatchViewSet, basename="payment-batch")

urlpatterns = router.urls

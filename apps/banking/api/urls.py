from rest_framework.routers import SimpleRouter

from .views import BankFileUploadViewSet, PaymentViewSet, ReconciliationMatchViewSet, StatementViewSet

router = SimpleRouter()
router.register("bank-files", BankFileUploadViewSet, basename="bank-file")
router.register("statements", StatementViewSet, basename="statement")
router.register("reconciliation-matches", ReconciliationMatchViewSet, basename="reconciliation-match")
router.register("payments", PaymentViewSet, basename="payment")
urlpatterns = router.urls

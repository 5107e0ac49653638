from django.db import models


class BareSubmission(models.Model):
    """One accepted form post: the single row the reference view inserts."""

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    message = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

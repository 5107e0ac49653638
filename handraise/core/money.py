"""Money as the owner reads it: "£12,500", "€980.50", "CHF 4,000".

One formatter for pages, emails and activity subjects alike, so an amount never
reads "GBP 12000.00" in one place and "£12,500" in another.
"""

from dataclasses import dataclass
from decimal import Decimal

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def format_money(amount: Decimal | int | None, currency: str) -> str:
    """``12500`` in GBP is "£12,500"; pence are shown only when there are some."""
    amount = Decimal(amount or 0)
    whole = amount == amount.to_integral_value()
    number = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)

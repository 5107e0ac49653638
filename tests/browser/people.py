"""The people in the journeys: the business's owner, and how she signs in."""

OWNER = {"username": "olive", "email": "olive@example.com", "password": "plum-orchard-4821"}

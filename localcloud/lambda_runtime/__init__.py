"""Running Lambda handlers in warm worker processes behind moto's Lambda API."""

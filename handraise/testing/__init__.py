"""Helpers every app's tests share: factories that make objects explicitly, no mocks."""

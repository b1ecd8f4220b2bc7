"""The bureau's records: households, workers, contacts and visits as imported, uploads."""

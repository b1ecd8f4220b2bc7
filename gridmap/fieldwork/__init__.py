"""Field work: visits, visit campaigns, monitoring periods and assistance contacts."""

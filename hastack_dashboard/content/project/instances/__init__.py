"""The HA instances panel of the Project dashboard."""

"""Expo: exhibitors, their products, visitors' interactions and the leads they make."""

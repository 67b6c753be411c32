"""What is not a tool: the main window, settings, help, crash reporting, theme, worker threads,
the panel contract and the application object."""

"""Cloud providers behind one Protocol (`base.Provider`); each vendor SDK is imported by one module."""

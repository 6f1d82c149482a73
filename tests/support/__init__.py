"""Fixtures and fakes the tests share (an in-memory cloud, a fault proxy, CLI runners, local receivers);
no tests here."""

//! Stand-in for D1 (and later MasCustomers v4, Apiture Consents) and their OAuth servers, on SQLite.

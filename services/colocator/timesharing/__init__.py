"""Elastic time-sharing: learning an app's daily curve (``profiles``), sizing it for the
coming lead window (``plan``), and the elected loop that asks the apiserver for it (``loop``)."""

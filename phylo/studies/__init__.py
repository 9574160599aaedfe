"""The sibling studies on the same stage runner: ``mlp`` (the knockout/rescue study)
and ``wavelet`` (autoencoders compared by Haar spectra), and the torch ``devices`` they share.
"""

"""Three conv autoencoders with equal weight counts, compared by Haar wavelet power spectra.

The library behind ``phylo run --pipeline wavelet`` (``pipelines/wavelet.py``):

images.py    finding and reading images: PNG (grey, grey + alpha) and multi-page TIFF stacks
tiles.py     training batches (random tiles + flips/rotations) and the fixed test tiles
models.py    the fully convolutional, atrous and U-Net models, sized to one weight budget
training.py  the training loop, with checkpoints so a killed training continues
spectra.py   power per level of a db1 wavelet decomposition, means with 95% intervals
metrics.py   PSNR / SSIM for reconstructions, Dice / IoU for segmentations
evaluate.py  a trained model's outputs on the test tiles and every number about them
figures.py   the PNG figures, written atomically
tables.py    wavelet_table.csv and wavelet_table.md
"""

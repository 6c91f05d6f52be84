/* Sizes of the twin model (twin_model.c, make_twin.cpp). */
#ifndef TWIN_CONFIG_H
#define TWIN_CONFIG_H
#define TWIN_D 512
#define TWIN_H 8
#define TWIN_KVH 2
#define TWIN_HD 64
#define TWIN_F 1408
#define TWIN_LAYERS 4
#define TWIN_V 8192
#define TWIN_MAXSEQ 256
#define TWIN_MAXBATCH 4
#endif

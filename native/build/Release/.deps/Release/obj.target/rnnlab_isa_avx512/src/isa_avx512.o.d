cmd_Release/obj.target/rnnlab_isa_avx512/src/isa_avx512.o := g++ -o Release/obj.target/rnnlab_isa_avx512/src/isa_avx512.o ../src/isa_avx512.cc '-DNODE_GYP_MODULE_NAME=rnnlab_isa_avx512' '-DUSING_UV_SHARED=1' '-DUSING_V8_SHARED=1' '-DV8_DEPRECATION_WARNINGS=1' '-D_GLIBCXX_USE_CXX11_ABI=1' '-D_FILE_OFFSET_BITS=64' '-D_LARGEFILE_SOURCE' '-D__STDC_FORMAT_MACROS' '-DOPENSSL_NO_PINSHARED' '-DOPENSSL_THREADS' -I/usr/include/node -I/usr/src -I/usr/deps/openssl/config -I/usr/deps/openssl/openssl/include -I/usr/deps/uv/include -I/usr/deps/zlib -I/usr/deps/v8/include  -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -m64 -O3 -fno-omit-frame-pointer -fno-rtti -fno-exceptions -std=gnu++17 -O3 -fPIC -ffp-contract=off -fno-math-errno -fno-exceptions -fno-rtti -std=c++17 -mavx512f -mavx2 -mfma -MMD -MF ./Release/.deps/Release/obj.target/rnnlab_isa_avx512/src/isa_avx512.o.d.raw   -c
Release/obj.target/rnnlab_isa_avx512/src/isa_avx512.o: \
 ../src/isa_avx512.cc ../src/pack_avx.h ../src/kernels_impl.h \
 ../src/kernels.h
../src/isa_avx512.cc:
../src/pack_avx.h:
../src/kernels_impl.h:
../src/kernels.h:

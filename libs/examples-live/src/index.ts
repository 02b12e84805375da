export {
  startPotatoService,
  type PotatoServiceOptions,
  type RunningPotatoService,
} from './potato-shop/potato-shop.process';
export { potatoShopEnv, type PotatoShopConfig } from './potato-shop/potato-shop.env';

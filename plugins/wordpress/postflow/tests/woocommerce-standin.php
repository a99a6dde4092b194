<?php
/**
 * A test-only stand-in for WooCommerce (which cannot be installed here): loaded as a mu-plugin by the tests, never
 * shipped. It registers the product post type and its taxonomies as WooCommerce does, and the few functions and
 * WC_Product getters the PostFlow plugin calls, with WooCommerce's documented signatures, reading the post meta
 * WooCommerce itself uses (_price, _regular_price, _sale_price, _sku, _stock_status, _stock, _thumbnail_id,
 * _product_image_gallery). Saving goes in WC_Product_Data_Store_CPT's order: the post first (wp_insert_post /
 * wp_update_post, which fire wp_after_insert_post), its meta after, then woocommerce_new_product /
 * woocommerce_update_product; stock changes write meta alone and fire woocommerce_product_set_stock(_status).
 *
 * @package PostFlow
 */

add_action(
	'init',
	function () {
		register_post_type(
			'product',
			array(
				'public'       => true,
				'label'        => 'Products',
				'show_in_rest' => true,
				'supports'     => array( 'title', 'editor', 'excerpt', 'thumbnail', 'custom-fields', 'author' ),
			)
		);
		register_taxonomy( 'product_cat', 'product', array( 'hierarchical' => true, 'show_in_rest' => true ) );
		register_taxonomy( 'product_tag', 'product', array( 'hierarchical' => false, 'show_in_rest' => true ) );
		foreach ( array( '_price', '_regular_price', '_sale_price', '_sku', '_stock_status', '_stock', '_product_image_gallery' ) as $key ) {
			register_post_meta(
				'product',
				$key,
				array(
					'type'          => 'string',
					'single'        => true,
					'show_in_rest'  => true,
					'auth_callback' => function ( $allowed, $meta_key, $post_id ) {
						return current_user_can( 'edit_post', $post_id );
					},
				)
			);
		}
	},
	5
);

/**
 * The few WC_Product getters the plugin calls (WooCommerce: includes/abstracts/abstract-wc-product.php).
 */
class WC_Product {
	/** @var int */
	protected $id;

	/** @param int $id The product's post ID. */
	public function __construct( $id ) {
		$this->id = (int) $id;
	}

	/** @var array Post fields and meta to write on save(). */
	protected $changes = array( 'post' => array(), 'meta' => array() );

	/**
	 * Stand-in for the setters: post fields (post_title, post_status...) and meta (_price...) to save.
	 *
	 * @param array $post Post fields.
	 * @param array $meta Meta by key.
	 */
	public function set_props_for_test( array $post, array $meta ) {
		$this->changes = array( 'post' => $post, 'meta' => $meta );
	}

	/**
	 * As WC_Product::save() through WC_Product_Data_Store_CPT::create() / update(): the post, then the meta.
	 *
	 * @return int The product's ID.
	 */
	public function save() {
		$creating = 0 === $this->id;
		if ( $creating ) {
			$this->id = (int) wp_insert_post( array_merge( array( 'post_type' => 'product' ), $this->changes['post'] ) );
		} elseif ( $this->changes['post'] ) {
			wp_update_post( array_merge( array( 'ID' => $this->id ), $this->changes['post'] ) );
		}
		foreach ( $this->changes['meta'] as $key => $value ) {
			update_post_meta( $this->id, $key, $value );
		}
		$this->changes = array( 'post' => array(), 'meta' => array() );
		do_action( $creating ? 'woocommerce_new_product' : 'woocommerce_update_product', $this->id, $this );
		return $this->id;
	}

	/** @return int */
	public function get_id() {
		return $this->id;
	}

	/** @param string $context view|edit. @return string */
	public function get_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_regular_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_regular_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_sale_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_sale_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_sku( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_sku', true );
	}

	/** @return bool */
	public function is_in_stock() {
		return 'outofstock' !== get_post_meta( $this->id, '_stock_status', true );
	}

	/** @param string $context view|edit. @return int|null */
	public function get_stock_quantity( $context = 'view' ) {
		$stock = get_post_meta( $this->id, '_stock', true );
		return '' === $stock ? null : (int) $stock;
	}

	/** @param string $context view|edit. @return string */
	public function get_image_id( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_thumbnail_id', true );
	}

	/** @param string $context view|edit. @return int[] */
	public function get_gallery_image_ids( $context = 'view' ) {
		$ids = (string) get_post_meta( $this->id, '_product_image_gallery', true );
		return array_values( array_filter( array_map( 'absint', explode( ',', $ids ) ) ) );
	}
}

/**
 * WooCommerce: wc_get_product( mixed $the_product = false, array $deprecated = array() ): WC_Product|null|false.
 *
 * @param mixed $the_product Post object, ID or false for the global post.
 * @param array $deprecated  Unused.
 * @return WC_Product|null|false
 */
function wc_get_product( $the_product = false, $deprecated = array() ) {
	$post = get_post( $the_product ? $the_product : null );
	if ( ! $post ) {
		return null;
	}
	return 'product' === $post->post_type ? new WC_Product( $post->ID ) : false;
}

/**
 * WooCommerce: get_woocommerce_currency(): string (the store's currency code).
 *
 * @return string
 */
function get_woocommerce_currency() {
	return (string) get_option( 'woocommerce_currency', 'USD' );
}

/**
 * WooCommerce: wc_update_product_stock( $product, $stock_quantity = null, $operation = 'set', $updating = false ):
 * the _stock meta alone (no wp_update_post), then do_action( 'woocommerce_product_set_stock', $product ).
 *
 * @param WC_Product|int $product        The product or its ID.
 * @param int|null       $stock_quantity The new quantity.
 * @param string         $operation      set (the only one here).
 * @param bool           $updating       Unused.
 * @return int|false
 */
function wc_update_product_stock( $product, $stock_quantity = null, $operation = 'set', $updating = false ) {
	$product = is_object( $product ) ? $product : wc_get_product( $product );
	if ( ! $product || null === $stock_quantity ) {
		return false;
	}
	update_post_meta( $product->get_id(), '_stock', (string) (int) $stock_quantity );
	do_action( 'woocommerce_product_set_stock', $product );
	return (int) $stock_quantity;
}

/**
 * WooCommerce: wc_update_product_stock_status( $product_id, $status ): the _stock_status meta, then
 * do_action( 'woocommerce_product_set_stock_status', $product_id, $status, $product ).
 *
 * @param int    $product_id The product.
 * @param string $status     instock, outofstock or onbackorder.
 */
function wc_update_product_stock_status( $product_id, $status ) {
	$product = wc_get_product( $product_id );
	if ( $product ) {
		update_post_meta( $product_id, '_stock_status', $status );
		do_action( 'woocommerce_product_set_stock_status', $product_id, $status, $product );
	}
}
